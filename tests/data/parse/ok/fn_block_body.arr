fn loss(w, x) {
    s = w * x
    sum(s ** 2)
}
fn one_line(x) { y = x * x; y + 1 }
fn just_value(x) { x }
fn with_blank_lines(x) {

    # a comment inside the body
    y = x

    y
}
fn outer(x) {
    fn inner(y) = y * 2
    inner(x)
}
