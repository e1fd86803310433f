a = grad(f)(x)[0:4]
b = x[0][1]
c = f(x)[i](y)
d = m[i, j]
e = (a + b)[0]
g = [1, 2, 3][1]
h = "abc"(x)
k = f()()()
