fn f(x) {
    y = x + 1
    y
