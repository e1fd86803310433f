fn f(x) {
    y = x + 1
}
z = f(1)
