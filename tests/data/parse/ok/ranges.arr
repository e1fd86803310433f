for i in 0..n {}
for i in 0..10 {}
for i in a..b {}
for i in x[0]..x[1] {}
for i in 1_000..2_000 {}
for i in .5..1.5 {}
for i in -1..-n {}
