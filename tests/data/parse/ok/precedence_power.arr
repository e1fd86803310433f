# `**` binds tighter than a sign on its left, and its right operand may carry a sign.
a = -x**2
b = 2**-x
c = a**b**c
d = (-x)**2
e = +x**-y
f = 2 ** -x ** 2
g = a * b ** c
h = -x**2**3
k = f(x)**2
l = x[0]**y[1]
