for i in range(10) { print(i) }
for in 0..3 {}
for i 0..3 {}
for i in 0..3 x = 1
for i in 0..3
{
}
ok = 1
