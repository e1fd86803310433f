//! Unit tests: tree shapes, spans, error recovery, and property tests over random input.

use super::*;
use crate::syntax::ast::{BinOp, IndexItem};
use crate::syntax::print;

/// Parses `src`, which must be free of errors, and prints its statements.
fn ok(src: &str) -> String {
    let (program, diags) = parse(src);
    assert!(diags.is_empty(), "{src:?}: {diags:#?}");
    print::program(&program).trim_end().to_owned()
}

/// Parses `src`, which must have errors, and returns their messages.
fn errs(src: &str) -> Vec<String> {
    let (_, diags) = parse(src);
    assert!(!diags.is_empty(), "{src:?} parsed without errors");
    diags.into_iter().map(|d| d.message).collect()
}

fn only_expr(src: &str) -> Expr {
    let (mut program, diags) = parse(src);
    assert!(diags.is_empty(), "{src:?}: {diags:#?}");
    assert_eq!(program.stmts.len(), 1);
    match program.stmts.pop().map(|s| s.kind) {
        Some(StmtKind::Expr(e)) => e,
        other => panic!("not an expression statement: {other:?}"),
    }
}

#[test]
fn power_binds_tighter_than_unary_minus_on_its_left() {
    let e = only_expr("-x**2");
    let ExprKind::Unary { op, operand } = e.kind else {
        panic!("{e:?}")
    };
    assert_eq!(op, crate::syntax::ast::UnOp::Neg);
    assert!(matches!(
        operand.kind,
        ExprKind::Binary { op: BinOp::Pow, .. }
    ));
    assert_eq!(ok("2**-x"), "(** 2 (neg x))");
    assert_eq!(ok("a**b**c"), "(** a (** b c))");
    assert_eq!(ok("2 ** -x ** 2"), "(** 2 (neg (** x 2)))");
    assert_eq!(ok("-a * -b"), "(* (neg a) (neg b))");
}

#[test]
fn logical_and_comparison_levels() {
    assert_eq!(ok("not a == b"), "(not (== a b))");
    assert_eq!(ok("a or b and c"), "(or a (and b c))");
    assert_eq!(ok("a and b or c"), "(or (and a b) c)");
    assert_eq!(ok("not not a"), "(not (not a))");
    assert_eq!(ok("a and not b"), "(and a (not b))");
    assert_eq!(ok("a + b < c * d"), "(< (+ a b) (* c d))");
}

#[test]
fn arithmetic_is_left_associative() {
    assert_eq!(ok("x @ y * z"), "(* (@ x y) z)");
    assert_eq!(ok("a - b - c"), "(- (- a b) c)");
    assert_eq!(ok("a / b % c"), "(% (/ a b) c)");
    assert_eq!(ok("a + b * c"), "(+ a (* b c))");
}

#[test]
fn postfix_chains() {
    let e = only_expr("grad(f)(x)[0:4]");
    let ExprKind::Index { base, items } = e.kind else {
        panic!("{e:?}")
    };
    assert!(matches!(base.kind, ExprKind::Call { .. }));
    assert!(matches!(
        &items[..],
        [IndexItem::Slice {
            start: Some(_),
            stop: Some(_),
            step: None,
            ..
        }]
    ));
    assert_eq!(
        ok("grad(f)(x)[0:4]"),
        "(index (call (call grad f) x) (slice 0 4 _))"
    );
}

#[test]
fn spans_cover_the_source_of_each_node() {
    let src = "y = f(a, seed=1)[1:]";
    let (program, _) = parse(src);
    let stmt = &program.stmts[0];
    assert_eq!(&src[stmt.span.range()], src);
    let StmtKind::Assign { target, value } = &stmt.kind else {
        panic!()
    };
    assert_eq!(&src[target.span.range()], "y");
    let ExprKind::Index { base, items } = &value.kind else {
        panic!()
    };
    assert_eq!(&src[base.span.range()], "f(a, seed=1)");
    let ExprKind::Call { args, .. } = &base.kind else {
        panic!()
    };
    assert_eq!(&src[args[1].span.range()], "seed=1");
    let IndexItem::Slice { span, .. } = &items[0] else {
        panic!()
    };
    assert_eq!(&src[span.range()], "1:");
    let (program, _) = parse("z = (a + b)");
    let StmtKind::Assign { value, .. } = &program.stmts[0].kind else {
        panic!()
    };
    assert_eq!(
        value.span,
        Span::new(4, 11),
        "parentheses belong to the span"
    );
}

#[test]
fn newlines_separate_statements_except_inside_brackets() {
    assert_eq!(
        ok("a = f(1,\n  2)\nb = [1,\n 2]"),
        "(assign a (call f 1 2))\n(assign b (array 1 2))"
    );
    assert_eq!(ok("a = 1; b = 2;;"), "(assign a 1)\n(assign b 2)");
    assert_eq!(
        errs("a = 1 +\n 2"),
        ["expected an expression, found end of line"]
    );
}

#[test]
fn carriage_returns_are_whitespace() {
    assert_eq!(
        ok("a = 1\r\nb = \"s\"\r\n"),
        "(assign a 1)\n(assign b \"s\")"
    );
    let (_, diags) = parse("a = \"open\r\nb = 2\r\n");
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].span, Span::new(4, 9));
}

#[test]
fn spans_of_every_node_lie_within_the_source() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/grammar/examples.arr");
    let src = std::fs::read_to_string(path).expect("grammar/examples.arr");
    let (program, diags) = parse(&src);
    assert!(diags.is_empty());
    let mut spans = Vec::new();
    for s in &program.stmts {
        stmt_spans(s, &mut spans);
    }
    for span in spans {
        let text = &src[span.range()];
        // A node's text never starts or ends with blank space or a separator.
        assert_eq!(text, text.trim(), "{span:?}");
        assert!(
            !text.starts_with([',', ';']) && !text.ends_with([',', ';']),
            "{text:?}"
        );
    }
}

#[test]
fn chained_comparison_is_an_error_but_parses_on() {
    let (program, diags) = parse("a < b < c\nx = 1");
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].message, "comparison operators cannot be chained");
    assert_eq!(program.stmts.len(), 2);
}

#[test]
fn recovery_reports_one_error_per_broken_statement() {
    let src = "a = 1 +\nb = 2\nc = * 3\nd = f(x y)\ne = 5";
    let messages = errs(src);
    assert_eq!(messages.len(), 3, "{messages:?}");
    let (program, _) = parse(src);
    let text = print::program(&program);
    assert!(text.contains("(assign e 5)"), "{text}");
    assert!(text.contains("(assign b 2)"), "{text}");
}

#[test]
fn assignment_targets_must_be_names() {
    assert_eq!(
        errs("x[0] = 1"),
        ["cannot assign to an element of an array"]
    );
    assert_eq!(errs("f(x) = 2"), ["cannot assign to a call"]);
    assert_eq!(errs("1 = x"), ["cannot assign to this expression"]);
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let inputs = [
        "(".repeat(100_000),
        format!("x = {}1{}", "(".repeat(5_000), ")".repeat(5_000)),
        format!("x = {}1{}", "[".repeat(5_000), "]".repeat(5_000)),
        format!("x = {}1", "-".repeat(100_000)),
        format!("x = {}1", "not ".repeat(100_000)),
        format!("x = 1{}", "**1".repeat(100_000)),
        format!("x = f{}", "(g".repeat(100_000)),
        format!(
            "{}x = 1{}",
            "for i in 0..1 {".repeat(5_000),
            "}".repeat(5_000)
        ),
        // Chains do not recurse in the parser, but they would build trees too deep to walk.
        format!("x = a{}", " + a".repeat(100_000)),
        format!("x = f{}", "()".repeat(100_000)),
        format!("x = v{}", "[0]".repeat(100_000)),
    ];
    // A thread with a small stack proves the limit leaves plenty of room.
    let handle = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            let mut all = Vec::new();
            for src in &inputs {
                let (program, diags) = parse(src);
                // Printing and dropping walk the tree recursively.
                let _ = print::program(&program);
                all.push(diags.into_iter().map(|d| d.message).collect::<Vec<_>>());
            }
            all
        })
        .expect("spawn");
    let results = handle.join().expect("the parser overflowed its stack");
    for messages in &results {
        assert!(
            messages[0].contains("nested too deeply (limit 200)"),
            "{messages:?}"
        );
        assert!(messages.len() <= 2, "{messages:?}");
    }
    // Just under the limit is fine.
    let src = format!("x = {}1{}", "(".repeat(190), ")".repeat(190));
    assert!(parse(&src).1.is_empty());
    let src = format!("x = a{}", " + a".repeat(190));
    assert!(parse(&src).1.is_empty());
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Collects the spans of a statement and of every node inside it.
fn stmt_spans(s: &Stmt, out: &mut Vec<Span>) {
    out.push(s.span);
    match &s.kind {
        StmtKind::Assign { target, value } => {
            out.push(target.span);
            expr_spans(value, out);
        }
        StmtKind::Fn { name, params, body } => {
            out.push(name.span);
            out.extend(params.iter().map(|p| p.span));
            match body {
                FnBody::Expr(e) => expr_spans(e, out),
                FnBody::Block(b) => block_spans(b, out),
            }
        }
        StmtKind::For {
            var,
            start,
            end,
            body,
        } => {
            out.push(var.span);
            expr_spans(start, out);
            expr_spans(end, out);
            block_spans(body, out);
        }
        StmtKind::Bench { name, body } => {
            out.push(name.span);
            block_spans(body, out);
        }
        StmtKind::Expr(e) => expr_spans(e, out),
    }
}

fn block_spans(b: &Block, out: &mut Vec<Span>) {
    out.push(b.span);
    for s in &b.stmts {
        stmt_spans(s, out);
    }
}

fn expr_spans(e: &Expr, out: &mut Vec<Span>) {
    out.push(e.span);
    match &e.kind {
        ExprKind::Unary { operand, .. } => expr_spans(operand, out),
        ExprKind::Binary { lhs, rhs, .. } => {
            expr_spans(lhs, out);
            expr_spans(rhs, out);
        }
        ExprKind::Call { callee, args } => {
            expr_spans(callee, out);
            for a in args {
                out.push(a.span);
                out.extend(a.name.as_ref().map(|n| n.span));
                expr_spans(&a.value, out);
            }
        }
        ExprKind::Index { base, items } => {
            expr_spans(base, out);
            for item in items {
                match item {
                    IndexItem::Single(e) => expr_spans(e, out),
                    IndexItem::Slice {
                        start,
                        stop,
                        step,
                        span,
                    } => {
                        out.push(*span);
                        for part in [start, stop, step].into_iter().flatten() {
                            expr_spans(part, out);
                        }
                    }
                }
            }
        }
        ExprKind::Array(items) | ExprKind::Tuple(items) => {
            for e in items {
                expr_spans(e, out);
            }
        }
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Imag(_)
        | ExprKind::Bool(_)
        | ExprKind::Str(_)
        | ExprKind::Name(_)
        | ExprKind::Error => {}
    }
}

/// Parses `src` and checks that every diagnostic and every statement span lies within it.
fn check_spans(src: &str) {
    let (program, diags) = parse(src);
    let len = src.len() as u32;
    for d in &diags {
        assert!(
            d.span.start <= d.span.end && d.span.end <= len,
            "{src:?}: diagnostic {d:?} is outside the source"
        );
        assert!(
            src.is_char_boundary(d.span.start as usize),
            "{src:?}: {d:?}"
        );
    }
    let mut spans = Vec::new();
    for s in &program.stmts {
        stmt_spans(s, &mut spans);
    }
    for span in spans {
        assert!(
            span.start <= span.end && span.end <= len,
            "{src:?}: node span {span:?}"
        );
    }
    // Rendering must not panic either.
    let _ = crate::diag::render("fuzz.arr", src, &diags);
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3_000 {
        let len = rng.below(80);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        check_spans(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn random_token_soup_never_panics() {
    const PIECES: &[&str] = &[
        "x",
        "f",
        "seed",
        "1",
        "2.5",
        ".5",
        "1e3",
        "3j",
        "1_000",
        "\"s\"",
        "\"",
        "true",
        "not",
        "and",
        "or",
        "fn",
        "for",
        "in",
        "bench",
        "+",
        "-",
        "*",
        "**",
        "/",
        "%",
        "@",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "=",
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        ";",
        "..",
        "\n",
        " ",
        "#c\n",
        "$",
        "1.",
        "9999999999999999999999",
        "1e999",
    ];
    let mut rng = Rng(12345);
    for _ in 0..5_000 {
        let n = rng.below(40);
        let src: String = (0..n)
            .map(|_| PIECES[rng.below(PIECES.len())])
            .collect::<Vec<_>>()
            .join(if rng.below(2) == 0 { "" } else { " " });
        check_spans(&src);
    }
}
