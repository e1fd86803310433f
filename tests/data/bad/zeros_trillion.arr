x = zeros(10**12, dtype=i32)
print(sum(x))
