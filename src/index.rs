//! Dense indices: small copyable handles into the tables of one
//! [`Engine`](crate::Engine), [`Schema`](crate::Schema) or
//! [`StageModel`](crate::StageModel).
//!
//! Every entity of a ruleset has an `id`, the string the ruleset names it by
//! (`"cart_adds"`, `"evaluation"`, `"purchase_decision.cart"`), and an
//! `index`, its position in the table that holds it. Ids are stable and are
//! what to store; an index is only meaningful for the engine (or schema, or
//! model) that issued it, and is the fast way to address an entity on the
//! hot path.

macro_rules! dense_index {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u32);

        impl $name {
            /// The position in its table, starting at 0.
            ///
            /// ```
            /// use buyer_journey::models;
            ///
            /// let model = models::buying_process().stage_model()?;
            /// assert_eq!(model.entry().index().as_usize(), 0);
            /// assert_eq!(model.find("post_purchase").unwrap().index().as_usize(), 4);
            /// # Ok::<(), buyer_journey::Error>(())
            /// ```
            #[must_use]
            pub fn as_usize(self) -> usize {
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

dense_index! {
    /// A signal of a [`Schema`](crate::Schema), in declaration order.
    ///
    /// ```
    /// use buyer_journey::models;
    ///
    /// let schema = models::buying_process().schema()?;
    /// let index = schema.find("reviews_read").unwrap().index();
    /// assert_eq!(schema.signal(index).unwrap().id(), "reviews_read");
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    SignalIndex
}

dense_index! {
    /// A stage of a [`StageModel`](crate::StageModel), in model order: the
    /// entry stage has index 0.
    ///
    /// ```
    /// use buyer_journey::models;
    ///
    /// let model = models::buying_process().stage_model()?;
    /// assert_eq!(model.find("need_recognition").unwrap().index().as_usize(), 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    StageIndex
}

dense_index! {
    /// A rule of an [`Engine`](crate::Engine): the stage rules in declaration
    /// order, then the score rules.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let first = engine.rules().next().unwrap();
    /// assert_eq!(first.index().as_usize(), 0);
    /// assert_eq!(engine.rule(first.index()).unwrap().id(), first.id());
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    RuleIndex
}

dense_index! {
    /// A tag of an [`Engine`](crate::Engine), in declaration order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let first = engine.tags().next().unwrap();
    /// assert_eq!(first.index().as_usize(), 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    TagIndex
}

dense_index! {
    /// An action of an [`Engine`](crate::Engine)'s catalog, in declaration
    /// order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let first = engine.actions().next().unwrap();
    /// assert_eq!(first.index().as_usize(), 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    ActionIndex
}

dense_index! {
    /// A transition rule of an [`Engine`](crate::Engine), in declaration
    /// order.
    ///
    /// ```
    /// use buyer_journey::{models, Engine};
    ///
    /// let engine = Engine::builder(models::buying_process()).build()?;
    /// let first = engine.transitions().next().unwrap();
    /// assert_eq!(first.index().as_usize(), 0);
    /// # Ok::<(), buyer_journey::Error>(())
    /// ```
    TransitionIndex
}
