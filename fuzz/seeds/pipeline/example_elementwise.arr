# Elementwise math: every function maps over arrays, broadcasting like NumPy.

x = linspace(-2, 2, 9)
print("x        ", x)
print("exp(x)   ", exp(x))
print("tanh(x)  ", tanh(x))
print("abs, sign", abs(x), sign(x))
print("round    ", round(x * 1.25))    # halves round to even, as in NumPy

# Comparisons give bool arrays; `where` selects; `clip` bounds.
print("x > 0    ", x > 0)
print("where    ", where(x > 0, x, 0.1 * x))
print("clip     ", clip(x, -1, 1))
print("and/or   ", (x > -1) and (x < 1), not (x == 0))

# Broadcasting a column against a row gives a table.
col = reshape(arange(1, 4), (3, 1))
row = arange(1, 5)
print(col * row)

# Scalar literals are weakly typed: they take the array's dtype.
h = f32(x)
print("f32 stays f32:", h * 0.5)

# Integers: floored modulo and true division.
k = arange(-4, 5)
print("k % 3    ", k % 3)
print("k / 2    ", k / 2)

# Complex numbers.
z = complex(x, 1.0)
print("|z|      ", abs(z))
print("angle    ", angle(z))
print("sqrt(-1) ", sqrt(complex(-1.0, 0.0)))
print("nan, inf:", isnan(log(x)), isinf(1 / x))
