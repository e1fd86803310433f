a = x == y
b = x != y
c = x < y
d = x <= y
e = x > y
f = x >= y
g = (a < b) == (c < d)
