fn f(a, b) = a + b
y = f(1, 2, 3)
