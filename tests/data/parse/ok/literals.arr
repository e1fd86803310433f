i = 42
f = 2.5
z = 3j
t = true
u = false
s = "text"
d = f32
