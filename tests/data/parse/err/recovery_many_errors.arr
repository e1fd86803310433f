# Each broken statement is reported; the good ones between still parse.
a = 1
b = (2 +
c = 3
d = * 4
e = 5
fn f(x) {
    g = x +
    h = x * 2
    h
}
for i in 0..3 {
    k = )
    print(i)
}
l = 6 7
m = 8
