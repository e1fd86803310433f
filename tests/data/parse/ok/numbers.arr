# Every number form, and the edges of i64 and f64.
a = 0
b = 007
c = 1_000_000
d = 9223372036854775807
e = 1.5
f = .5
g = 1e3
h = 1E+3
k = 1.5e-3
l = 1_000.25
m = 2.5e1_0
n = 1e-400
o = 0.1
p = 123456789.125
