# The same update as a 30-turn loop inside a function (one graph), and its gradient
# through 18 turns.
fn f(x) {
  for i in 0..30 { x = sin(x) + x * 0.001 }
  x
}
fn g(x) {
  for i in 0..18 { x = sin(x) + x * 0.001 }
  sum(x)
}
y = f([0.1, 0.2, 0.3])
dy = grad(g)([0.1, 0.2, 0.3])
