a = rand((4, 5), seed=1) * 4 - 2
y = logsumexp(a, axis=0, keepdims=true)
