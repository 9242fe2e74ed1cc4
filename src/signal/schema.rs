//! The validated, ordered set of signals a ruleset reads.

use std::collections::HashSet;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::{Arc, OnceLock};

use indexmap::{IndexMap, IndexSet};

use super::{Signal, SignalKind, SignalRecord, SignalSpec};
use crate::error::{Error, Excerpt, Location};
use crate::event::Derivation;
use crate::index::SignalIndex;
use crate::limits::{Bound, Limits};
use crate::names::{check_snake_case, suggest};
use crate::time::TimeUnit;

/// The validated, ordered set of signals a ruleset reads.
///
/// Cheap to clone: clones share one allocation.
///
/// # Example
///
/// ```
/// use buyer_journey::{Schema, SignalSpec};
///
/// let schema = Schema::new(&[SignalSpec::count("cart_adds"), SignalSpec::flag("is_member")])?;
/// assert_eq!(schema.len(), 2);
/// assert_eq!(schema.find("is_member").unwrap().index().as_usize(), 1);
///
/// let err = Schema::new(&[SignalSpec::count("Cart Adds")]).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "signals[0].id: 'Cart Adds' is not a snake_case id (a lowercase letter, then \
///      lowercase letters, digits or '_')",
/// );
/// # Ok::<(), buyer_journey::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Schema {
    signals: Arc<IndexMap<String, Signal>>,
    /// A hash of the layout (each signal's id, kind and labels, in order),
    /// so that records of an equal schema built elsewhere are recognised
    /// without comparing the schemas.
    layout: u64,
    /// Whether any category has aliases, so conditions without any to
    /// rewrite are left alone.
    aliases: bool,
}

impl PartialEq for Schema {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.signals, &other.signals)
            || (self.layout == other.layout && self.signals == other.signals)
    }
}

impl Schema {
    /// Validates `specs` under the default [`Limits`].
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalSpec};
    ///
    /// let schema = Schema::new(&[SignalSpec::count("visits"), SignalSpec::flag("member")])?;
    /// assert_eq!(schema.len(), 2);
    /// let err = Schema::new(&[SignalSpec::count("and")]).unwrap_err();
    /// assert!(err.to_string().contains("keyword"));
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Invalid`](crate::ErrorKind::Invalid) for an id that is
    /// not `snake_case`, is a keyword or is declared twice, for a category
    /// without labels or with a repeated or empty label, for labels or
    /// aliases on a signal that is not a category, for an alias that is
    /// empty, is a label or names no label, for a range on a flag, a
    /// category or a derived signal, with a bound that is not finite or
    /// with min above max, for a unit of time on a signal that is not a
    /// number or count (or not days on one derived with `days_since`), and
    /// for `ordered` on a signal that is not a category;
    /// [`ErrorKind::Limit`](crate::ErrorKind::Limit) for too many signals,
    /// labels or aliases, or an id, label or alias that is too long.
    pub fn new(specs: &[SignalSpec]) -> Result<Self, Error> {
        Self::with_limits(specs, &Limits::default())
    }

    /// Validates `specs` under `limits`.
    ///
    /// ```
    /// use buyer_journey::{Limits, Schema, SignalSpec};
    ///
    /// let specs = [SignalSpec::count("visits"), SignalSpec::count("orders")];
    /// assert!(Schema::with_limits(&specs, &Limits::default().max_signals(1)).unwrap_err().is_limit());
    /// ```
    ///
    /// # Errors
    ///
    /// As [`Schema::new`].
    pub fn with_limits(specs: &[SignalSpec], limits: &Limits) -> Result<Self, Error> {
        limits.check(Bound::Signals, specs.len(), || Location::new("signals"))?;
        let mut builder = SchemaBuilder::with_capacity(specs.len());
        let mut errors = Vec::new();
        for (i, spec) in specs.iter().enumerate() {
            builder.add(i, spec, limits, &mut errors);
            if !errors.is_empty() {
                return Err(errors.swap_remove(0));
            }
        }
        Ok(builder.finish())
    }

    /// The signal with id `id`.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let schema = models::buying_process().schema()?;
    /// assert_eq!(schema.find("purchases").unwrap().id(), "purchases");
    /// assert!(schema.find("purchase").is_none());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn find(&self, id: &str) -> Option<&Signal> {
        self.signals.get(id)
    }

    /// The signal at `index`, if this schema issued it.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let schema = models::buying_process().schema()?;
    /// let index = schema.find("satisfaction").unwrap().index();
    /// assert_eq!(schema.signal(index).unwrap().id(), "satisfaction");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn signal(&self, index: SignalIndex) -> Option<&Signal> {
        self.signals
            .get_index(index.as_usize())
            .map(|(_, signal)| signal)
    }

    /// The signals in declaration order.
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let schema = models::buying_process().schema()?;
    /// assert_eq!(schema.iter().next().unwrap().id(), "need_searches");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Signal> + '_ {
        self.signals.values()
    }

    /// The number of signals.
    ///
    /// ```
    /// use buyer_journey::{Schema, SignalSpec};
    ///
    /// assert_eq!(Schema::new(&[SignalSpec::count("visits")])?.len(), 1);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.signals.len()
    }

    /// Whether the schema declares no signal.
    ///
    /// ```
    /// use buyer_journey::Schema;
    ///
    /// assert!(Schema::new(&[])?.is_empty());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.signals.is_empty()
    }

    /// An empty record for this schema: every signal missing.
    ///
    /// Allocates once; reuse the record with [`SignalRecord::clear`].
    ///
    /// ```
    /// # use buyer_journey::models;
    /// let schema = models::buying_process().schema()?;
    /// let record = schema.record();
    /// assert!(record.get("cart_adds").is_none());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    #[must_use]
    pub fn record(&self) -> SignalRecord {
        SignalRecord::new(self.clone())
    }

    /// Whether any category signal has aliases.
    pub(crate) fn has_aliases(&self) -> bool {
        self.aliases
    }

    /// The signal with id `id`, or an unknown-signal error with a suggestion.
    pub(crate) fn resolve(&self, id: &str) -> Result<&Signal, Error> {
        self.find(id).ok_or_else(|| {
            Error::unknown(
                "signal",
                id,
                suggest(id, self.signals.keys().map(String::as_str)),
            )
        })
    }

    /// Whether records of `other` are laid out as records of this schema:
    /// the same signals (ids, kinds, labels and ranges) in the same order. Equal
    /// schemas are, whether clones of one or built apart; descriptions do
    /// not matter.
    pub(crate) fn same_layout(&self, other: &Schema) -> bool {
        // The hash is keyed with a random key per process: two layouts that
        // differ collide with probability 2^-64, and no input can be crafted
        // to collide. Comparing the signals instead would cost more than the
        // evaluation this check lets through.
        Arc::ptr_eq(&self.signals, &other.signals) || self.layout == other.layout
    }
}

/// Signals validated one at a time, every error kept, so that checking a
/// ruleset goes on past a broken signal: the one way signals are validated.
#[derive(Debug)]
pub(crate) struct SchemaBuilder {
    signals: IndexMap<String, Signal>,
    /// Every well-formed id seen, of broken signals too, so that a second
    /// declaration is reported even when the first was broken.
    declared: HashSet<String>,
}

impl SchemaBuilder {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        SchemaBuilder {
            signals: IndexMap::with_capacity(capacity),
            declared: HashSet::with_capacity(capacity),
        }
    }

    /// A builder that starts with the signals of `schema`.
    pub(crate) fn extending(schema: &Schema) -> Self {
        SchemaBuilder {
            signals: IndexMap::clone(&schema.signals),
            declared: schema.signals.keys().cloned().collect(),
        }
    }

    /// Validates `spec`, the `i`th of a ruleset's signals, and adds it
    /// when it is valid; otherwise pushes each of its errors to `errors`,
    /// and leaves it out. Returns whether it was added.
    pub(crate) fn add(
        &mut self,
        i: usize,
        spec: &SignalSpec,
        limits: &Limits,
        errors: &mut Vec<Error>,
    ) -> bool {
        let Some(signal) = self.check(i, spec, limits, errors) else {
            return false;
        };
        self.signals.insert(spec.id.clone(), signal);
        true
    }

    /// Validates `spec` as [`add`](Self::add) does, but only records its
    /// id: for a signal that is wrong for a reason of its ruleset. The
    /// signal, when it is valid on its own.
    pub(crate) fn check(
        &mut self,
        i: usize,
        spec: &SignalSpec,
        limits: &Limits,
        errors: &mut Vec<Error>,
    ) -> Option<Signal> {
        let at = |field: &str| Location::new(format!("signals[{i}]{field}"));
        let before = errors.len();
        match check_snake_case(&spec.id, "signal", limits) {
            Err(e) => errors.push(e.at(&format!("signals[{i}].id"))),
            Ok(()) if !self.declared.insert(spec.id.clone()) => errors.push(Error::invalid(
                at(".id"),
                format!("signal '{}' is declared twice", spec.id),
            )),
            Ok(()) => {}
        }
        let labels = check_labels(spec, limits, || at(".labels")).map_err(|e| errors.push(e));
        let unit = check_unit(spec).map_err(|e| errors.push(e.at(&format!("signals[{i}].unit"))));
        if spec.ordered && spec.kind != SignalKind::Category {
            errors.push(Error::invalid(
                at(".ordered"),
                format!(
                    "signal '{}' is {}: only the labels of a category can be ordered",
                    spec.id,
                    spec.kind.with_article()
                ),
            ));
        }
        if let Err(e) = check_range(spec, |field| at(&format!(".range{field}"))) {
            errors.push(e);
        }
        let aliases = match &labels {
            Ok(labels) => {
                check_aliases(spec, labels, limits, || at(".aliases")).map_err(|e| errors.push(e))
            }
            Err(()) => Err(()),
        };
        if errors.len() > before {
            return None;
        }
        // Dense over the signals kept; the position in the ruleset when none
        // is broken, the only case an engine is built from.
        let index = SignalIndex::new(self.signals.len());
        Some(Signal::new(
            index,
            spec,
            labels.ok()?,
            aliases.ok()?,
            unit.ok()?,
        ))
    }

    pub(crate) fn finish(self) -> Schema {
        Schema {
            layout: layout_hash(&self.signals),
            aliases: self
                .signals
                .values()
                .any(|signal| signal.aliases().len() > 0),
            signals: Arc::new(self.signals),
        }
    }
}

/// The hash of the layout of `signals`, with this process's key.
fn layout_hash(signals: &IndexMap<String, Signal>) -> u64 {
    static KEY: OnceLock<RandomState> = OnceLock::new();
    let mut hasher = KEY.get_or_init(RandomState::new).build_hasher();
    signals.len().hash(&mut hasher);
    for signal in signals.values() {
        signal.id().hash(&mut hasher);
        signal.kind().hash(&mut hasher);
        signal.labels.len().hash(&mut hasher);
        for label in &signal.labels {
            label.hash(&mut hasher);
        }
        // A record holds only values within its signals' ranges: records
        // of schemas whose ranges differ are not interchangeable. Aliases
        // do not change what is stored.
        let (low, high) = signal.bounds();
        low.to_bits().hash(&mut hasher);
        high.to_bits().hash(&mut hasher);
    }
    hasher.finish()
}

/// The unit of time of `spec`: as declared, or days for `days_since`.
fn check_unit(spec: &SignalSpec) -> Result<Option<TimeUnit>, Error> {
    let derived = matches!(spec.from, Some(Derivation::DaysSince { .. })).then_some(TimeUnit::Days);
    match (spec.unit, derived) {
        (Some(_), _) if !spec.kind.is_numeric() => Err(Error::invalid(
            Location::default(),
            format!(
                "signal '{}' is {}: only numbers and counts have a unit of time",
                spec.id,
                spec.kind.with_article()
            ),
        )),
        (Some(declared), Some(days)) if declared != days => Err(Error::invalid(
            Location::default(),
            format!(
                "signal '{}' is derived with days_since, so its unit is days, not {declared}",
                spec.id
            ),
        )),
        (declared, derived) => Ok(declared.or(derived)),
    }
}

fn check_labels(
    spec: &SignalSpec,
    limits: &Limits,
    at: impl Fn() -> Location,
) -> Result<IndexSet<String>, Error> {
    if spec.kind != SignalKind::Category {
        if !spec.labels.is_empty() {
            return Err(Error::invalid(
                at(),
                format!(
                    "signal '{}' is {} and cannot have labels",
                    spec.id,
                    spec.kind.with_article()
                ),
            ));
        }
        return Ok(IndexSet::new());
    }
    limits.check(Bound::Labels, spec.labels.len(), &at)?;
    if spec.labels.is_empty() {
        return Err(Error::invalid(
            at(),
            format!("category signal '{}' needs at least one label", spec.id),
        ));
    }
    let mut labels = IndexSet::with_capacity(spec.labels.len());
    for (j, label) in spec.labels.iter().enumerate() {
        // At the label itself, so that a document points at its line.
        let at_label = || Location::new(format!("{}[{j}]", at().path()));
        limits.check(Bound::IdLen, label.len(), at_label)?;
        if label.is_empty() {
            return Err(Error::invalid(
                at_label(),
                format!("signal '{}' has an empty label", spec.id),
            ));
        }
        if !labels.insert(label.clone()) {
            return Err(Error::invalid(
                at_label(),
                format!("signal '{}' declares label '{label}' twice", spec.id),
            ));
        }
    }
    Ok(labels)
}

/// The aliases of a category, each with the index of the label it names.
fn check_aliases(
    spec: &SignalSpec,
    labels: &IndexSet<String>,
    limits: &Limits,
    at: impl Fn() -> Location,
) -> Result<IndexMap<String, usize>, Error> {
    if spec.aliases.is_empty() {
        return Ok(IndexMap::new());
    }
    if spec.kind != SignalKind::Category {
        return Err(Error::invalid(
            at(),
            format!(
                "signal '{}' is {} and cannot have aliases",
                spec.id,
                spec.kind.with_article()
            ),
        ));
    }
    limits.check(Bound::Labels, spec.aliases.len(), &at)?;
    let mut aliases = IndexMap::with_capacity(spec.aliases.len());
    for (alias, label) in &spec.aliases {
        // At the alias's entry, so that a document points at its line.
        let at_alias = || Location::new(format!("{}.{alias}", at().path()));
        limits.check(Bound::IdLen, alias.len(), at_alias)?;
        if alias.is_empty() {
            return Err(Error::invalid(
                at(),
                format!("signal '{}' has an empty alias", spec.id),
            ));
        }
        if labels.contains(alias) {
            return Err(Error::invalid(
                at_alias(),
                format!(
                    "alias '{}' of signal '{}' is one of its labels already",
                    Excerpt(alias),
                    spec.id
                ),
            ));
        }
        let Some(index) = labels.get_index_of(label) else {
            let did_you_mean = suggest(label, labels.iter().map(String::as_str))
                .map(|label| format!(", did you mean '{label}'?"))
                .unwrap_or_default();
            return Err(Error::invalid(
                at_alias(),
                format!(
                    "alias '{}' of signal '{}' names '{}', which is not one of its labels{did_you_mean}",
                    Excerpt(alias),
                    spec.id,
                    Excerpt(label)
                ),
            ));
        };
        aliases.insert(alias.clone(), index);
    }
    Ok(aliases)
}

/// A range only on numbers and counts, with finite bounds in order, and
/// not on a derived signal (see [`SignalSpec::range`]).
fn check_range(spec: &SignalSpec, at: impl Fn(&str) -> Location) -> Result<(), Error> {
    let Some(range) = spec.range else {
        return Ok(());
    };
    if !spec.kind.is_numeric() {
        return Err(Error::invalid(
            at(""),
            format!(
                "signal '{}' is {} and cannot have a range",
                spec.id,
                spec.kind.with_article()
            ),
        ));
    }
    if spec.from.is_some() {
        return Err(Error::invalid(
            at(""),
            format!(
                "signal '{}' is derived from events and cannot have a range: a range checks \
                 the values a host gives",
                spec.id
            ),
        ));
    }
    for (name, bound) in [("min", range.min), ("max", range.max)] {
        if let Some(bound) = bound.filter(|b| !b.is_finite()) {
            return Err(Error::invalid(
                at(&format!(".{name}")),
                format!(
                    "the {name} of signal '{}' is {bound}, but a bound must be a finite number",
                    spec.id
                ),
            ));
        }
    }
    if let (Some(min), Some(max)) = (range.min, range.max) {
        if min > max {
            return Err(Error::invalid(
                at(""),
                format!(
                    "the range of signal '{}' is empty: min {min} is above max {max}",
                    spec.id
                ),
            ));
        }
    }
    Ok(())
}
