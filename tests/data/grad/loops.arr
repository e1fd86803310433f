# A loop inside a differentiated function: the derivative runs through every turn.
fn pow8(x) {
    for i in 0..3 { x = x * x }
    sum(x)
}
g = grad(pow8)(1.5)

fn twice(x) {
    for i in 0..2 { x = sin(x) + x * 0.001 }
    sum(x)
}
h = grad(twice)(0.5)
