x = a $ b
y = !a
z = a && b
w = 'text'
v = a.b
u = 2 ^ 3
ok = 1
