a = ones(3)
for i in 0..10**18 { a = a + undefined_name }
