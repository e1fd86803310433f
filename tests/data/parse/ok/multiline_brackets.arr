a = f(
    x,
    y,
)
b = [
    [1, 2],   # a comment inside brackets
    [3, 4],
]
c = (1 +
     2)
d = rand(n,
         seed=1,
         dtype=f32)
e = x[
  1:2
]
g = (
)
h = f
(x)
