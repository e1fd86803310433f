bench "fused chain" { y = kernel(a, b) }
bench "two statements" {
    y = kernel(a, b)
    z = sum(y)
}
bench "empty" {}
bench "" { print(1) }
