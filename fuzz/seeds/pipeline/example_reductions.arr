# Reductions: over everything, over an axis, or over several axes.

m = reshape(arange(24), (2, 3, 4))
print("sum        ", sum(m))
print("sum axis 0 ", sum(m, axis=0))
print("sum (0, 2) ", sum(m, axis=(0, 2)))
print("mean axis=-1", mean(m, axis=-1))
print("prod       ", prod(arange(1, 11)))
print("min, max   ", min(m), max(m))
print("argmax     ", argmax(m), argmax(m, axis=2))
print("any, all   ", any(m > 22), all(m >= 0))

x = randn((1000, 4), seed=3)
print("means near 0:", mean(x, axis=0))
print("std near 1:  ", std(x, axis=0))

# Sugar built from the primitives.
logits = [[1.0, 2.0, 3.0], [1.0, 1.0, 1.0]]
print("softmax:")
print(softmax(logits, axis=1))
print("logsumexp:", logsumexp(logits, axis=1))
print("cumsum:", cumsum(arange(1, 6)), "cumprod:", cumprod(arange(1, 6)))
