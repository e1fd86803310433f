x = 0
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
for i in 0..1 {
x = x + 1
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
}
