a = x < y < z
b = x == y == z
c = 0 <= i < n and ok
