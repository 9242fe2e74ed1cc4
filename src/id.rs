//! Dense ids: small copyable handles into the tables of one [`Engine`](crate::Engine).
//!
//! An id is only meaningful for the engine (or schema, or model) that issued
//! it; names are the stable form to store elsewhere.

macro_rules! dense_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $name {
            /// The position in its table, starting at 0.
            pub fn index(self) -> usize {
                self.0 as usize
            }

            // Tables are far smaller than `u32::MAX` entries: each entry takes
            // more than one byte and `Limits` bound their number.
            #[allow(clippy::cast_possible_truncation)]
            pub(crate) fn new(index: usize) -> Self {
                $name(index as u32)
            }
        }
    };
}

dense_id! {
    /// A signal of a [`Schema`](crate::Schema), in declaration order.
    ///
    /// ```
    /// use buyer_journey::models;
    ///
    /// let schema = models::buying_process().schema()?;
    /// let id = schema.id("reviews_read").unwrap();
    /// assert_eq!(schema.signal(id).unwrap().name(), "reviews_read");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    SignalId
}

dense_id! {
    /// A stage of a [`StageModel`](crate::StageModel), in model order: the
    /// entry stage has index 0.
    ///
    /// ```
    /// use buyer_journey::models;
    ///
    /// let model = models::buying_process().stage_model()?;
    /// assert_eq!(model.id("need_recognition").unwrap().index(), 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    StageId
}

dense_id! {
    /// A rule of an [`Engine`](crate::Engine): the stage rules in declaration
    /// order, then the score rules.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let first = engine.rules().next().unwrap();
    /// assert_eq!(first.rule_id().index(), 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    RuleId
}

dense_id! {
    /// A tag of an [`Engine`](crate::Engine), in declaration order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let first = engine.tags().next().unwrap();
    /// assert_eq!(first.tag_id().index(), 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    TagId
}

dense_id! {
    /// An action of an [`Engine`](crate::Engine)'s catalog, in declaration
    /// order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let first = engine.actions().next().unwrap();
    /// assert_eq!(first.action_id().index(), 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    ActionId
}
