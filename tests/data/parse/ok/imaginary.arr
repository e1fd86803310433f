a = 2j
b = 1.5e3j
c = .5j
d = 0j
z = 1 + 2j
w = z * 1j - 3.25j
