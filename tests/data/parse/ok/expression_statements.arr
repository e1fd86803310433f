print(x)
x
1 + 2
"hello"
save("y.npy", y)
f(x)[0]
