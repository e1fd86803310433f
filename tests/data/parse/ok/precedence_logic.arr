a = not a == b
b = a or b and c
c = a and b or c
d = not not a
e = a and not b
f = not a or b
g = a or b or c
h = a and b and c
k = not a < b and c >= d
