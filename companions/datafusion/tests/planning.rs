//! A column the engine cannot read is an error when the query is planned,
//! before any row is read, naming the signal and the types it takes.

mod support;

use buyer_journey::{models, Engine};
use buyer_journey_datafusion::JourneyFunctions;
use datafusion::prelude::SessionContext;

fn context(functions: &JourneyFunctions) -> SessionContext {
    let ctx = SessionContext::new();
    functions.register(&ctx);
    ctx
}

fn built_in() -> JourneyFunctions {
    JourneyFunctions::new(Engine::builder(models::buying_process()).build().unwrap())
}

/// The planning error of `query`, as text; panics if it plans.
async fn planning_error(ctx: &SessionContext, query: &str) -> String {
    match ctx.sql(query).await {
        Ok(frame) => match frame.create_physical_plan().await {
            Ok(_) => panic!("planned: {query}"),
            Err(err) => err.to_string(),
        },
        Err(err) => err.to_string(),
    }
}

#[tokio::test]
async fn a_text_column_for_a_count_names_the_signal_and_the_types() {
    let ctx = context(&built_in());
    let err = planning_error(
        &ctx,
        "SELECT classify_stage(reviews_read) FROM (VALUES ('3')) AS t(reviews_read)",
    )
    .await;
    assert!(err.starts_with("Error during planning: "), "{err}");
    assert!(
        err.contains(
            "classify_stage: signal 'reviews_read' is a count, so its column must be numeric \
             (an integer, float or decimal type), got Utf8"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn every_function_checks_its_arguments() {
    let ctx = context(&built_in());
    for function in [
        "classify_stage",
        "stage_confidence",
        "customer_tags",
        "top_actions",
    ] {
        let err = planning_error(
            &ctx,
            &format!("SELECT {function}(cart_adds) FROM (VALUES (true)) AS t(cart_adds)"),
        )
        .await;
        assert!(
            err.contains(&format!("{function}: signal 'cart_adds' is a count"))
                && err.contains("got Boolean"),
            "{err}"
        );
    }
}

#[tokio::test]
async fn numbers_for_a_category_and_text_for_a_flag_are_refused() {
    let ctx = context(&JourneyFunctions::from_file(support::b2b_saas()).unwrap());
    let err = planning_error(
        &ctx,
        "SELECT classify_stage(plan) FROM (VALUES (2.0)) AS t(plan)",
    )
    .await;
    assert!(
        err.contains("signal 'plan' is a category, so its column must be text holding its labels")
            && err.contains("got Float64"),
        "{err}"
    );
    let err = planning_error(
        &ctx,
        "SELECT classify_stage(demo_requested) FROM (VALUES ('yes')) AS t(demo_requested)",
    )
    .await;
    assert!(
        err.contains("signal 'demo_requested' is a flag, so its column must be Boolean")
            && err.contains("got Utf8"),
        "{err}"
    );
    // A struct field is checked the same way.
    let err = planning_error(
        &ctx,
        "SELECT top_actions(named_struct('plan', 1.5, 'nps', 7)) FROM (VALUES (1)) AS t(x)",
    )
    .await;
    assert!(
        err.contains("signal 'plan' is a category") && err.contains("got Float64"),
        "{err}"
    );
}

#[tokio::test]
async fn an_unknown_name_is_refused_with_a_suggestion() {
    let ctx = context(&built_in());
    let err = planning_error(
        &ctx,
        "SELECT classify_stage(reviews_red) FROM (VALUES (3)) AS t(reviews_red)",
    )
    .await;
    assert!(
        err.contains("classify_stage: ") && err.contains("reviews_red"),
        "{err}"
    );
    assert!(
        err.contains("reviews_read"),
        "suggests the close name: {err}"
    );
    assert!(err.contains("must be named after a signal"), "{err}");
}

#[tokio::test]
async fn a_signal_twice_a_struct_among_columns_and_no_argument_are_refused() {
    let ctx = context(&built_in());
    let err = planning_error(
        &ctx,
        "SELECT classify_stage(t.cart_adds, u.cart_adds) \
         FROM (VALUES (1)) AS t(cart_adds) CROSS JOIN (VALUES (2)) AS u(cart_adds)",
    )
    .await;
    assert!(err.contains("signal 'cart_adds' is given twice"), "{err}");

    let err = planning_error(
        &ctx,
        "SELECT classify_stage(named_struct('purchases', 1), cart_adds) FROM (VALUES (1)) AS t(cart_adds)",
    )
    .await;
    assert!(err.contains("is a struct among other arguments"), "{err}");

    let err = planning_error(&ctx, "SELECT classify_stage()").await;
    assert!(err.contains("classify_stage"), "{err}");
}

#[tokio::test]
async fn a_null_literal_or_a_decimal_plans_and_reads() {
    let ctx = context(&built_in());
    let frame = ctx
        .sql(
            "SELECT classify_stage(cart_adds, purchases) AS stage \
             FROM (VALUES (CAST(2 AS DECIMAL(10, 2)), NULL)) AS t(cart_adds, purchases)",
        )
        .await
        .unwrap();
    let batches = frame.collect().await.unwrap();
    let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    assert!(text.contains("purchase_decision"), "{text}");
}

#[tokio::test]
async fn a_ruleset_file_with_errors_or_of_no_known_format_is_refused_with_its_name() {
    let dir = std::env::temp_dir().join(format!("bj-df-planning-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"name\": \"x\", \"signals\": 3}").unwrap();
    let err = JourneyFunctions::from_file(&broken)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("broken.json") && err.contains("signals"),
        "{err}"
    );

    let unknown = dir.join("rules.yaml");
    std::fs::write(&unknown, "name: x").unwrap();
    let err = JourneyFunctions::from_file(&unknown)
        .unwrap_err()
        .to_string();
    assert!(err.contains("rules.yaml: cannot tell the format"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_column_renamed_in_an_inner_query_is_read_under_its_outer_name() {
    // The optimizer merges the inner projection into the outer one; the
    // function must still read `x` and `y + 1` as the signals they were
    // named after.
    let ctx = context(&built_in());
    let frame = ctx
        .sql(
            "SELECT classify_stage(cart_adds, reviews_read) AS stage FROM \
             (SELECT x AS cart_adds, y + 1 AS reviews_read FROM (VALUES (0, 2), (2, 0)) AS v(x, y)) s",
        )
        .await
        .unwrap();
    let batches = frame.collect().await.unwrap();
    let text = datafusion::arrow::util::pretty::pretty_format_batches(&batches)
        .unwrap()
        .to_string();
    assert!(
        text.contains("information_search") && text.contains("purchase_decision"),
        "{text}"
    );
}
