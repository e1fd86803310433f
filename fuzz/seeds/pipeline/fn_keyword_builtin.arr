p = rand((4, 5), seed=4) * 2.9 + 0.1
fn nrm(x) = x / sum(x, axis=-1, keepdims=true)
y = nrm(p)
