# A tour of every production in grammar/arr.ebnf. It parses without errors; it is not meant
# to be run (some names are never defined).

# ----- Literals -----
n = 1_000_000                 # INT, with `_` between digits
half = .5                     # FLOAT forms: 1.5  .5  1e3  1.5e-3  1_000.25
big = 1.5e-3 + 1e3 + 1_000.25
z = 1 + 2j                    # IMAG: an INT or FLOAT directly followed by `j`
w = 1.5e3j
yes = true; no = false        # `;` separates statements like a line end
path = "out/y.npy"            # STRING, escapes \n \t \\ \"
label = "tab\there, quote \" backslash \\ newline\n"

# ----- Primaries -----
empty = ()                    # the empty tuple
single = (n,)                 # a one-element tuple needs the comma
shape = (1024, 768,)          # trailing commas are allowed everywhere
grouped = (n + 1) * 2         # parentheses group
mat = [[1, 2], [3, 4]]        # array literals nest
none = []

# ----- Operators, loosest to tightest -----
c1 = a or b and c             # a or (b and c)
c2 = not a == b               # not (a == b)
c3 = a < b and b <= c         # comparisons do not chain; join them with `and`
c4 = a != b or a >= b or a > b
s1 = a + b - c
m1 = x @ y * z / w % 3        # * / % @ share one level, left to right
u1 = -x ** 2                  # -(x ** 2)
u2 = 2 ** -x                  # 2 ** (-x)
u3 = a ** b ** c              # a ** (b ** c)
u4 = +x

# ----- Calls and indexing (postfix, chainable) -----
a = rand(n, seed=1)
b = rand((m, n), seed=1, dtype=f32)
d = grad(loss, wrt=(w, x))
e = grad(f)(x)[0:4]
f1 = x[1:-1]
f2 = m[:, ::2]
f3 = x[::-1]
f4 = m[0, 1:, :3:]

# ----- Newlines are ignored inside ( ) and [ ] -----
long = where(
    x > 0,      # a comment inside brackets is fine
    x,
    0.0,
)

# ----- Statements -----
fn kernel(a, b) = sin(a) * b + a * a / (1 + b)
fn loss(w, x) {
    s = w * x
    sum(s ** 2)               # the last expression is the value
}
fn nothing() = ()
for i in 0..100 { a = a - 0.1 * grad(loss)(a, b) }
for i in 0..n - 1 {
    print(i)
}
bench "fused chain" { y = kernel(a, b) }
save(path, kernel(a, b))
