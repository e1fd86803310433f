bench fused { y = 1 }
bench "no block"
bench "ok" { z = 2 }
