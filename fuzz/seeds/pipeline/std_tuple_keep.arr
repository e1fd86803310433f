s = rand((3, 4, 5), seed=23) * 4 - 2
y = std(s, axis=(0, 2), keepdims=true)
