# Numeric edge cases (grammar/README.md, "Numeric edge cases"): tests/edge_values.rs runs this
# on every engine and device and checks that all agree bit for bit, and with Rust's arithmetic.
# integers: wrap-around, % by zero, negative powers
imax = [9223372036854775807, -9223372036854775807 - 1, 5, -7, 0]
iwrap_add = imax + 1
iwrap_mul = imax * 3
iwrap_neg = -imax
ipow = imax ** 2
ineg_pow = [2, 1, -1, 0, -3] ** -1
imod0 = imax % 0
imod = [7, -7, 7, -7] % [3, 3, -3, -3]
i32max = i32([2147483647, -2147483647 - 1, 3])
i32wrap = i32max + i32(1)
i32mul = i32max * i32(2)
i32narrow = i32([4294967297, -1, 2147483648])
idiv0 = [1, -1, 0] / [0, 0, 0]
# floats: infinities, NaN, signed zeros
fdiv = [1.0, -1.0, 0.0, -0.0] / [0.0, 0.0, 0.0, 0.0]
fzero = [0.0, -0.0, 1.0] * [-1.0, -1.0, 0.0]
fnegz = -[0.0, -0.0]
fmin = minimum([0.0, -0.0, nan, 1.0, -inf], [-0.0, 0.0, 1.0, nan, inf])
fmax = maximum([0.0, -0.0, nan, 1.0, -inf], [-0.0, 0.0, 1.0, nan, inf])
fminr = min([3.0, nan, -1.0])
fmaxr = max([3.0, -inf, 2.0])
fargmax = argmax([1.0, nan, 5.0, nan])
fargmin = argmin([1.0, -inf, -inf, 0.0])
fmod = [5.5, -5.5, 5.5, -5.5, 1.0, inf] % [2.0, 2.0, -2.0, -2.0, 0.0, 2.0]
fround = round([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.0])
ffloor = floor([-0.5, -0.0, 0.5, inf, nan])
fcast = i64([1e300, -1e300, nan, -2.9, 2.9, inf])
fcast32 = i32([3e9, -3e9, nan, -0.0])
fbool = bool([0.0, -0.0, nan, 1e-320])
# Sums whose value does not depend on the order of the additions (engines add in different
# orders, so an overflow to inf followed by -inf may give NaN in one and -inf in another).
fsum = sum([1e308, 1e308, 1e308])
fsumnan = sum([inf, 1.0, -inf])
fprod = prod([0.0, inf])
# subnormals, f64 and f32
sub64 = [5e-324, 2.2250738585072014e-308, 1e-310] * [1.0, 0.5, 1e10]
sub64d = [5e-324, 1e-320] / [2.0, 3.0]
sub32 = f32([1e-40, 1.4e-45, 1.1754942e-38]) * f32(0.5)
sub32up = f32([1e-40, 1.4e-45]) * f32(1e30)
subsum = sum([5e-324, 5e-324, 5e-324])
subcmp = [5e-324, -5e-324, 0.0] > 0.0
