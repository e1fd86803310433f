y = rand(
    (m, n),
    seed=1,
    dtype=f32,
)
z = f(
    a,
    b = 2,
    c
    =
    3,
)
