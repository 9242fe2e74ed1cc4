//! Text → [`Condition`]: a hand-written lexer and recursive-descent parser.
//!
//! The parser first builds an untyped tree of [`Node`]s with columns, because
//! a `(` can open either a group of conditions or of arithmetic and only the
//! tokens after the `)` tell which. The tree is then converted into a
//! [`Condition`]. Every recursion is bounded by [`Limits::max_depth`], checked
//! as nodes are built, so no input can exhaust the stack.

use crate::condition::span::Spans;
use crate::condition::{ArithOp, CompareOp, Condition, Duration, Expr};
use crate::error::{Error, Excerpt, Location};
use crate::limits::{Bound, Limits};
use crate::names::suggest;

/// Parses `text` under `limits`.
pub(crate) fn parse(text: &str, limits: &Limits) -> Result<Condition, Error> {
    parse_spanned(text, limits).map(|(condition, _)| condition)
}

/// Parses `text` under `limits`, with the column where each node of the
/// condition was written, in the order [`Spans`] documents.
pub(crate) fn parse_spanned(text: &str, limits: &Limits) -> Result<(Condition, Spans), Error> {
    limits.check(Bound::ExpressionLen, text.len(), Location::default)?;
    let tokens = lex(text, limits)?;
    let mut parser = Parser {
        tokens: &tokens,
        pos: 0,
        limits,
        nodes: 0,
        open: 0,
    };
    let node = parser.parse_or()?;
    let end = parser.peek();
    if end.tok != Tok::End {
        return Err(Error::syntax(
            end.column,
            format!(
                "expected 'and', 'or' or the end of the text, found {}",
                end.tok.describe()
            ),
        ));
    }
    let mut columns = Vec::new();
    let condition = to_condition(node, &mut columns)?;
    condition.check_size(limits)?;
    Ok((condition, Spans::new(columns)))
}

#[derive(Debug, Clone, PartialEq)]
enum Tok<'a> {
    Ident(&'a str),
    Number(f64),
    Duration(Duration),
    Text(String),
    Open,
    Close,
    OpenList,
    CloseList,
    Comma,
    Compare(CompareOp),
    Arith(ArithOp),
    End,
}

impl Tok<'_> {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(name) => format!("'{}'", Excerpt(name)),
            Tok::Number(n) => format!("the number {n}"),
            Tok::Duration(duration) => format!("the duration {duration}"),
            Tok::Text(text) => format!("the text {:?}", Excerpt(text).to_string()),
            Tok::Open => "'('".into(),
            Tok::Close => "')'".into(),
            Tok::OpenList => "'['".into(),
            Tok::CloseList => "']'".into(),
            Tok::Comma => "','".into(),
            Tok::Compare(op) => format!("'{}'", op.symbol()),
            Tok::Arith(op) => format!("'{}'", op.symbol()),
            Tok::End => "the end of the text".into(),
        }
    }

    fn is_keyword(&self, keyword: &str) -> bool {
        matches!(self, Tok::Ident(name) if *name == keyword)
    }
}

#[derive(Debug)]
struct Token<'a> {
    tok: Tok<'a>,
    column: usize,
}

/// The tokens of `text`. An id or a text longer than any declared id or
/// label may be (`Limits::max_id_len`) is a limit error here, so no later
/// step looks it up or quotes it whole.
fn lex<'a>(text: &'a str, limits: &Limits) -> Result<Vec<Token<'a>>, Error> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    let mut column = 0;
    // Columns count characters; `advance` keeps `column` in step with `chars`.
    macro_rules! advance {
        () => {{
            column += 1;
            chars.next()
        }};
    }
    while let Some(&(start, c)) = chars.peek() {
        let at = column + 1;
        let tok = match c {
            c if c.is_whitespace() => {
                advance!();
                continue;
            }
            'a'..='z' | 'A'..='Z' | '_' => {
                let mut end = start;
                while let Some(&(i, c)) = chars.peek() {
                    if !(c.is_ascii_alphanumeric() || c == '_') {
                        break;
                    }
                    end = i + c.len_utf8();
                    advance!();
                }
                limits.check(Bound::IdLen, end - start, || Location::column_only(at))?;
                Tok::Ident(&text[start..end])
            }
            '0'..='9' | '.' => {
                let mut end = start;
                let mut previous = ' ';
                while let Some(&(i, c)) = chars.peek() {
                    let exponent_sign = (c == '+' || c == '-') && matches!(previous, 'e' | 'E');
                    if !(c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E') || exponent_sign) {
                        break;
                    }
                    previous = c;
                    end = i + c.len_utf8();
                    advance!();
                }
                // A number with letters straight after it is a duration.
                if matches!(chars.peek(), Some(&(_, c)) if c.is_ascii_alphabetic() || c == '_') {
                    while let Some(&(i, c)) = chars.peek() {
                        if !(c.is_ascii_alphanumeric() || c == '_') {
                            break;
                        }
                        end = i + c.len_utf8();
                        advance!();
                    }
                    let literal = &text[start..end];
                    limits.check(Bound::IdLen, literal.len(), || Location::column_only(at))?;
                    let duration = Duration::read(literal)
                        .ok_or_else(|| Error::syntax(at, Duration::not_a_duration(literal)))?;
                    tokens.push(Token {
                        tok: Tok::Duration(duration),
                        column: at,
                    });
                    continue;
                }
                let literal = &text[start..end];
                match literal.parse::<f64>() {
                    Ok(n) if n.is_finite() => Tok::Number(n),
                    Ok(_) => {
                        return Err(Error::syntax(
                            at,
                            format!("the number {} is too large", Excerpt(literal)),
                        ))
                    }
                    Err(_) => {
                        return Err(Error::syntax(
                            at,
                            format!("'{}' is not a number", Excerpt(literal)),
                        ))
                    }
                }
            }
            '"' => {
                advance!();
                let mut value = String::new();
                loop {
                    match advance!() {
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match advance!() {
                            Some((_, c @ ('"' | '\\'))) => value.push(c),
                            _ => {
                                return Err(Error::syntax(
                                    column,
                                    "only '\\\"' and '\\\\' are escapes in text".into(),
                                ))
                            }
                        },
                        Some((_, c)) => value.push(c),
                        None => {
                            return Err(Error::syntax(
                                at,
                                "text is missing its closing '\"'".into(),
                            ))
                        }
                    }
                }
                limits.check(Bound::IdLen, value.len(), || Location::column_only(at))?;
                tokens.push(Token {
                    tok: Tok::Text(value),
                    column: at,
                });
                continue;
            }
            _ => {
                advance!();
                let next = chars.peek().map(|&(_, c)| c);
                let two = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
                           column: &mut usize| {
                    *column += 1;
                    chars.next();
                };
                match (c, next) {
                    ('(', _) => Tok::Open,
                    (')', _) => Tok::Close,
                    ('[', _) => Tok::OpenList,
                    (']', _) => Tok::CloseList,
                    (',', _) => Tok::Comma,
                    ('+', _) => Tok::Arith(ArithOp::Add),
                    ('-', _) => Tok::Arith(ArithOp::Sub),
                    ('*', _) => Tok::Arith(ArithOp::Mul),
                    ('/', _) => Tok::Arith(ArithOp::Div),
                    ('<', Some('=')) => {
                        two(&mut chars, &mut column);
                        Tok::Compare(CompareOp::Le)
                    }
                    ('>', Some('=')) => {
                        two(&mut chars, &mut column);
                        Tok::Compare(CompareOp::Ge)
                    }
                    ('=', Some('=')) => {
                        two(&mut chars, &mut column);
                        Tok::Compare(CompareOp::Eq)
                    }
                    ('!', Some('=')) => {
                        two(&mut chars, &mut column);
                        Tok::Compare(CompareOp::Ne)
                    }
                    ('<', _) => Tok::Compare(CompareOp::Lt),
                    ('>', _) => Tok::Compare(CompareOp::Gt),
                    ('=', _) => return Err(Error::syntax(at, "use '==' to test equality".into())),
                    ('!', _) => {
                        return Err(Error::syntax(at, "use 'not' to negate a condition".into()))
                    }
                    ('&', Some('&')) => {
                        return Err(Error::syntax(at, "use 'and' instead of '&&'".into()))
                    }
                    ('|', Some('|')) => {
                        return Err(Error::syntax(at, "use 'or' instead of '||'".into()))
                    }
                    ('\'', _) => {
                        return Err(Error::syntax(
                            at,
                            "text goes in double quotes: \"like this\"".into(),
                        ))
                    }
                    (c, _) => return Err(Error::syntax(at, format!("unexpected character {c:?}"))),
                }
            }
        };
        tokens.push(Token { tok, column: at });
    }
    tokens.push(Token {
        tok: Tok::End,
        column: column + 1,
    });
    Ok(tokens)
}

/// The functions of the language, written `name(arguments)`.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Function {
    Present,
    Missing,
    All,
    Any,
    AtLeast,
}

impl Function {
    fn from_name(name: &str) -> Option<Function> {
        Some(match name {
            "present" => Function::Present,
            "missing" => Function::Missing,
            "all" => Function::All,
            "any" => Function::Any,
            "at_least" => Function::AtLeast,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Function::Present => "present",
            Function::Missing => "missing",
            Function::All => "all",
            Function::Any => "any",
            Function::AtLeast => "at_least",
        }
    }
}

/// The message for `name(`, where `name` is not a function of the language.
#[cold]
fn unknown_function(name: &str) -> String {
    let known = ["present", "missing", "all", "any", "not", "at_least"];
    let suggestion = suggest(name, known)
        .map(|known| format!(" (did you mean '{known}'?)"))
        .unwrap_or_default();
    format!(
        "unknown function '{}'{suggestion}: conditions compare signals (and + - * / on \
         them) with constants; the functions are present(), missing(), all(), any(), not() \
         and at_least()",
        Excerpt(name)
    )
}

/// An untyped parse tree node with the column it starts at.
#[derive(Debug)]
struct Node {
    column: usize,
    depth: usize,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Or(Vec<Node>),
    And(Vec<Node>),
    Not(Box<Node>),
    Compare(CompareOp, Box<Node>, Box<Node>),
    In(Box<Node>, Vec<Node>),
    Between(Box<Node>, Box<Node>, Box<Node>),
    Arith(ArithOp, Box<Node>, Box<Node>),
    Call(Function, Vec<Node>),
    Group(Box<Node>),
    Number(f64),
    Duration(Duration),
    Text(String),
    Bool(bool),
    Ident(String),
    NotIn(Box<Node>, Vec<Node>),
}

struct Parser<'t, 'a> {
    tokens: &'t [Token<'a>],
    pos: usize,
    limits: &'t Limits,
    nodes: usize,
    /// Parentheses open at the current position: each is a level of recursion.
    open: usize,
}

impl<'a> Parser<'_, 'a> {
    fn peek(&self) -> &Token<'a> {
        // The lexer always ends the tokens with `End`, and `next` never moves past it.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn next(&mut self) -> &Token<'a> {
        let index = self.pos.min(self.tokens.len() - 1);
        if self.tokens[index].tok != Tok::End {
            self.pos += 1;
        }
        &self.tokens[index]
    }

    /// The token after the next one.
    fn peek_second(&self) -> &Token<'a> {
        &self.tokens[(self.pos + 1).min(self.tokens.len() - 1)]
    }

    fn eat_keyword(&mut self, keyword: &str) -> bool {
        let found = self.peek().tok.is_keyword(keyword);
        if found {
            self.next();
        }
        found
    }

    fn expect(&mut self, tok: &Tok<'_>, what: &str) -> Result<(), Error> {
        let token = self.next();
        if token.tok == *tok {
            Ok(())
        } else {
            Err(Error::syntax(
                token.column,
                format!("expected {what}, found {}", token.tok.describe()),
            ))
        }
    }

    /// Builds a node, enforcing the depth and size limits as the tree grows.
    ///
    /// Depth and size are counted as `Condition::measure` counts them, so the
    /// text of any tree within the limits parses within them.
    fn node(&mut self, column: usize, kind: Kind) -> Result<Node, Error> {
        let children_depth = match &kind {
            Kind::Call(Function::Present | Function::Missing, _)
            | Kind::Number(_)
            | Kind::Duration(_)
            | Kind::Text(_)
            | Kind::Bool(_)
            | Kind::Ident(_) => 0,
            Kind::Call(Function::AtLeast, items) => {
                items.iter().skip(1).map(|n| n.depth).max().unwrap_or(0)
            }
            Kind::Or(items) | Kind::And(items) | Kind::Call(_, items) => {
                items.iter().map(|n| n.depth).max().unwrap_or(0)
            }
            Kind::In(value, items) | Kind::NotIn(value, items) => {
                items.iter().map(|n| n.depth).fold(value.depth, usize::max)
            }
            Kind::Not(inner) => inner.depth,
            Kind::Group(inner) => inner.depth - 1,
            Kind::Compare(_, a, b) | Kind::Arith(_, a, b) => a.depth.max(b.depth),
            Kind::Between(a, b, c) => a.depth.max(b.depth).max(c.depth),
        };
        let depth = children_depth + 1;
        self.limits
            .check(Bound::Depth, depth, || Location::column_only(column))?;
        // Parentheses are not nodes of the tree, and `present(x)` and
        // `at_least(k, ...)` were counted with their name and their `k`.
        let new_node = match &kind {
            Kind::Group(_) => false,
            Kind::Call(Function::Present | Function::Missing, args) => args.is_empty(),
            Kind::Call(Function::AtLeast, args) => !matches!(
                args.first(),
                Some(Node {
                    kind: Kind::Number(_),
                    ..
                })
            ),
            _ => true,
        };
        if new_node {
            self.nodes += 1;
        }
        self.limits.check(Bound::ConditionSize, self.nodes, || {
            Location::column_only(column)
        })?;
        Ok(Node {
            column,
            depth,
            kind,
        })
    }

    /// Guards recursion into a nested level before any node of it exists.
    fn descend(&self, level: usize, column: usize) -> Result<(), Error> {
        self.limits
            .check(Bound::Depth, level, || Location::column_only(column))
    }

    fn parse_or(&mut self) -> Result<Node, Error> {
        self.parse_connective("or", Self::parse_and, Kind::Or)
    }

    fn parse_and(&mut self) -> Result<Node, Error> {
        self.parse_connective("and", Self::parse_not, Kind::And)
    }

    fn parse_connective(
        &mut self,
        keyword: &str,
        operand: fn(&mut Self) -> Result<Node, Error>,
        make: fn(Vec<Node>) -> Kind,
    ) -> Result<Node, Error> {
        let first = operand(self)?;
        if !self.peek().tok.is_keyword(keyword) {
            return Ok(first);
        }
        let column = first.column;
        let mut items = vec![first];
        while self.eat_keyword(keyword) {
            items.push(operand(self)?);
        }
        self.node(column, make(items))
    }

    fn parse_not(&mut self) -> Result<Node, Error> {
        let column = self.peek().column;
        if !self.eat_keyword("not") {
            return self.parse_comparison();
        }
        // Count the run of `not`s first so that a long run fails on the limit
        // instead of recursing.
        let mut count = 1;
        while self.eat_keyword("not") {
            count += 1;
            self.descend(count, column)?;
        }
        let mut node = self.parse_comparison()?;
        for _ in 0..count {
            node = self.node(column, Kind::Not(Box::new(node)))?;
        }
        Ok(node)
    }

    fn parse_comparison(&mut self) -> Result<Node, Error> {
        let left = self.parse_sum("a condition")?;
        let column = left.column;
        let node = match self.peek().tok {
            Tok::Compare(op) => {
                self.next();
                let right = self.parse_sum("a value")?;
                self.node(column, Kind::Compare(op, Box::new(left), Box::new(right)))?
            }
            Tok::Ident("in") => {
                self.next();
                let list = self.parse_list()?;
                self.node(column, Kind::In(Box::new(left), list))?
            }
            Tok::Ident("not") if self.peek_second().tok.is_keyword("in") => {
                self.next();
                self.next();
                let list = self.parse_list()?;
                self.node(column, Kind::NotIn(Box::new(left), list))?
            }
            Tok::Ident("between") => {
                self.next();
                let low = self.parse_sum("a value")?;
                if !self.eat_keyword("and") {
                    let token = self.peek();
                    return Err(Error::syntax(
                        token.column,
                        format!(
                            "expected 'and' between the bounds of 'between', found {}",
                            token.tok.describe()
                        ),
                    ));
                }
                let high = self.parse_sum("a value")?;
                self.node(
                    column,
                    Kind::Between(Box::new(left), Box::new(low), Box::new(high)),
                )?
            }
            _ => return Ok(left),
        };
        let token = self.peek();
        if matches!(token.tok, Tok::Compare(_)) {
            return Err(Error::syntax(
                token.column,
                "comparisons cannot be chained: join them with 'and'".into(),
            ));
        }
        Ok(node)
    }

    fn parse_list(&mut self) -> Result<Vec<Node>, Error> {
        self.expect(&Tok::OpenList, "'[' to start the list")?;
        let mut items = Vec::new();
        if self.peek().tok == Tok::CloseList {
            self.next();
            return Ok(items);
        }
        loop {
            items.push(self.parse_sum("a list item")?);
            let token = self.next();
            match token.tok {
                Tok::Comma => {}
                Tok::CloseList => return Ok(items),
                _ => {
                    return Err(Error::syntax(
                        token.column,
                        format!(
                            "expected ',' or ']' in the list, found {}",
                            token.tok.describe()
                        ),
                    ))
                }
            }
        }
    }

    fn parse_sum(&mut self, what: &str) -> Result<Node, Error> {
        let mut left = self.parse_product(what)?;
        while let Tok::Arith(op @ (ArithOp::Add | ArithOp::Sub)) = self.peek().tok {
            self.next();
            let right = self.parse_product("a value")?;
            left = self.node(
                left.column,
                Kind::Arith(op, Box::new(left), Box::new(right)),
            )?;
        }
        Ok(left)
    }

    fn parse_product(&mut self, what: &str) -> Result<Node, Error> {
        let mut left = self.parse_primary(what)?;
        while let Tok::Arith(op @ (ArithOp::Mul | ArithOp::Div)) = self.peek().tok {
            self.next();
            let right = self.parse_primary("a value")?;
            left = self.node(
                left.column,
                Kind::Arith(op, Box::new(left), Box::new(right)),
            )?;
        }
        Ok(left)
    }

    fn parse_primary(&mut self, what: &str) -> Result<Node, Error> {
        let token = self.next();
        let column = token.column;
        let kind = match token.tok.clone() {
            Tok::Number(n) => Kind::Number(n),
            Tok::Duration(duration) => Kind::Duration(duration),
            Tok::Text(text) => Kind::Text(text),
            Tok::Arith(ArithOp::Sub) => match self.next().tok {
                Tok::Number(n) => Kind::Number(-n),
                _ => {
                    return Err(Error::syntax(
                        column,
                        "'-' must be followed by a number; write '0 - x' to negate a value".into(),
                    ))
                }
            },
            Tok::Ident("true") => Kind::Bool(true),
            Tok::Ident("false") => Kind::Bool(false),
            Tok::Ident(name) => {
                if let Some(function) = Function::from_name(name) {
                    return self.parse_call(function, column);
                }
                if ["and", "or", "not", "in", "between"].contains(&name) {
                    return Err(Error::syntax(
                        column,
                        format!("expected {what}, found '{}'", Excerpt(name)),
                    ));
                }
                if self.peek().tok == Tok::Open {
                    return Err(Error::syntax(column, unknown_function(name)));
                }
                Kind::Ident(name.to_owned())
            }
            Tok::Open => {
                self.open += 1;
                self.descend(self.open, column)?;
                let inner = self.parse_or()?;
                self.expect(&Tok::Close, "')'")?;
                self.open -= 1;
                Kind::Group(Box::new(inner))
            }
            other => {
                return Err(Error::syntax(
                    column,
                    format!("expected {what}, found {}", other.describe()),
                ))
            }
        };
        self.node(column, kind)
    }

    fn parse_call(&mut self, function: Function, column: usize) -> Result<Node, Error> {
        if self.peek().tok != Tok::Open {
            let token = self.peek();
            return Err(Error::syntax(
                token.column,
                format!(
                    "expected '(' after '{}', found {}",
                    function.name(),
                    token.tok.describe()
                ),
            ));
        }
        self.next();
        self.open += 1;
        self.descend(self.open, column)?;
        let mut args = Vec::new();
        if self.peek().tok == Tok::Close {
            self.next();
        } else {
            loop {
                args.push(self.parse_or()?);
                let token = self.next();
                match token.tok {
                    Tok::Comma => {}
                    Tok::Close => break,
                    _ => {
                        return Err(Error::syntax(
                            token.column,
                            format!(
                                "expected ',' or ')' after an argument of '{}', found {}",
                                function.name(),
                                token.tok.describe()
                            ),
                        ))
                    }
                }
            }
        }
        self.open -= 1;
        self.node(column, Kind::Call(function, args))
    }
}

/// Converts the parse tree into a condition, pushing each node's column onto
/// `columns` in pre-order (a node, then its children in order), as
/// [`Spans`] reads them. Parentheses are not nodes.
fn to_condition(node: Node, columns: &mut Vec<usize>) -> Result<Condition, Error> {
    let column = node.column;
    if !matches!(node.kind, Kind::Group(_)) {
        columns.push(column);
    }
    Ok(match node.kind {
        Kind::Or(items) => Condition::Any(conditions(items, columns)?),
        Kind::And(items) => Condition::All(conditions(items, columns)?),
        Kind::Not(inner) => Condition::Not(Box::new(to_condition(*inner, columns)?)),
        Kind::Compare(op, left, right) => {
            let left = to_expr(*left, columns)?;
            Condition::Compare {
                left,
                op,
                right: to_expr(*right, columns)?,
            }
        }
        Kind::In(value, list) => {
            let value = to_expr(*value, columns)?;
            Condition::In {
                value,
                list: list
                    .into_iter()
                    .map(|item| to_expr(item, columns))
                    .collect::<Result<_, _>>()?,
            }
        }
        Kind::Between(value, low, high) => {
            let value = to_expr(*value, columns)?;
            let low = to_expr(*low, columns)?;
            Condition::Between {
                value,
                low,
                high: to_expr(*high, columns)?,
            }
        }
        Kind::Call(function @ (Function::Present | Function::Missing), args) => {
            let mut args = args.into_iter();
            let (
                Some(Node {
                    kind: Kind::Ident(name),
                    column: at,
                    ..
                }),
                None,
            ) = (args.next(), args.next())
            else {
                return Err(Error::syntax(
                    column,
                    format!("'{}' takes one signal id", function.name()),
                ));
            };
            // A problem with `present(x)` is a problem with `x`: point there.
            if let Some(last) = columns.last_mut() {
                *last = at;
            }
            if function == Function::Present {
                Condition::Present(name)
            } else {
                Condition::Missing(name)
            }
        }
        Kind::Call(Function::All, args) => Condition::All(conditions(args, columns)?),
        Kind::Call(Function::Any, args) => Condition::Any(conditions(args, columns)?),
        Kind::Call(Function::AtLeast, args) => {
            let mut args = args.into_iter();
            let k = match args.next() {
                Some(Node {
                    kind: Kind::Number(k),
                    ..
                }) if k >= 0.0 && k.fract() == 0.0 && k <= 1e9 => {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let k = k as usize;
                    k
                }
                _ => {
                    return Err(Error::syntax(
                        column,
                        "'at_least' takes a whole number first: at_least(2, a, b, c)".into(),
                    ))
                }
            };
            Condition::AtLeast {
                k,
                of: conditions(args.collect(), columns)?,
            }
        }
        Kind::NotIn(value, list) => {
            let value = to_expr(*value, columns)?;
            Condition::NotIn {
                value,
                list: list
                    .into_iter()
                    .map(|item| to_expr(item, columns))
                    .collect::<Result<_, _>>()?,
            }
        }
        Kind::Group(inner) => to_condition(*inner, columns)?,
        Kind::Bool(b) => Condition::Bool(b),
        Kind::Ident(name) => {
            // A flag alone, `is_member`, is `is_member == true`: three nodes
            // written at one place.
            columns.extend([column, column]);
            Condition::Compare {
                left: Expr::Signal(name),
                op: CompareOp::Eq,
                right: Expr::Bool(true),
            }
        }
        Kind::Number(_) | Kind::Duration(_) | Kind::Text(_) | Kind::Arith(..) => {
            let found = match node.kind {
                Kind::Number(_) => "a number",
                Kind::Duration(_) => "a duration",
                Kind::Text(_) => "text",
                _ => "arithmetic",
            };
            return Err(Error::syntax(
                column,
                format!("expected a condition, found {found}; compare it with something"),
            ));
        }
    })
}

fn conditions(nodes: Vec<Node>, columns: &mut Vec<usize>) -> Result<Vec<Condition>, Error> {
    nodes
        .into_iter()
        .map(|node| to_condition(node, columns))
        .collect()
}

fn to_expr(node: Node, columns: &mut Vec<usize>) -> Result<Expr, Error> {
    if !matches!(node.kind, Kind::Group(_)) {
        columns.push(node.column);
    }
    Ok(match node.kind {
        Kind::Number(n) => Expr::Number(n),
        Kind::Duration(duration) => Expr::Duration(duration),
        Kind::Text(text) => Expr::Text(text),
        Kind::Bool(b) => Expr::Bool(b),
        Kind::Ident(name) => Expr::Signal(name),
        Kind::Arith(op, left, right) => {
            let left = Box::new(to_expr(*left, columns)?);
            Expr::Binary {
                op,
                left,
                right: Box::new(to_expr(*right, columns)?),
            }
        }
        Kind::Group(inner) => to_expr(*inner, columns)?,
        _ => {
            return Err(Error::syntax(
                node.column,
                "expected a value, found a condition".into(),
            ))
        }
    })
}
