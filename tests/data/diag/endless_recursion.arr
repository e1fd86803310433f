fn f(x) = f(x) + 1
y = f(1)
