a = 1; b = 2
;; c = 3 ;
d = 4;
for i in 0..2 { a = a + 1; b = b + 1; }
fn f(x) { ; y = x; ; y }
