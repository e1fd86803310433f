fn f(x) = x
y = f + 1
