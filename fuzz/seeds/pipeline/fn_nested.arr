j = i32([3, -2, 1, 5, -4])
fn f1(x) = x + 1
fn f2(x) = f1(x) * f1(x)
y = f2(j)
