fn f(x) = x
fn g() = 1
fn h(a, b,) = a + b
fn kernel(a, b) = sin(a) * b + a * a / (1 + b)
fn call_result(f) = f(1)(2)
