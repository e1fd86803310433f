fn (x) = 1
fn f x = 1
fn f(x, 1) = x
fn f(x, x) = x
fn f(x)
fn g(x) { y = x }
fn h() {}
fn k(x) { x } + 1
fn m(x)
{
    x
}
