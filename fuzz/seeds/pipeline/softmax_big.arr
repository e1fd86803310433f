big = rand((2, 4), seed=29) * 500 + 500
y = softmax(big)
