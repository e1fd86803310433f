for i in 0..100 { a = a - 0.1 * dloss(a, b) }
for i in n - 1..2 * n {}
for j in 0..n {
    x = x + j
    print(x)
}
for i in 0..3 { for j in 0..3 { print(i, j) } }
for k in f(0)..g(n)[1] {
}
