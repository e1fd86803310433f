fn f(x) = g(x) + 1
fn g(x) = f(x) * 2
print(f(1))
