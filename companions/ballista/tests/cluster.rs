//! A Ballista cluster in this process (a scheduler and two executors on
//! loopback, started by the binaries' own code) answers the same SQL as
//! DataFusion on one machine, row for row, over Parquet files full of
//! nulls, extreme and invalid values.

mod support;

use std::path::Path;
use std::sync::Arc;

use buyer_journey::{models, Engine};
use buyer_journey_ballista::LocalCluster;
use buyer_journey_datafusion::JourneyFunctions;
use datafusion::prelude::{ParquetReadOptions, SessionContext};

use support::{ruleset, same_answers, scratch_dir, write_customers};

async fn same_answers_on_the_cluster(functions: JourneyFunctions, dir: &Path) {
    let engine = Arc::clone(functions.engine());
    write_customers(&engine, dir, 4, 600);
    let table = dir.to_string_lossy().into_owned();

    let local = SessionContext::new();
    functions.register(&local);
    local
        .register_parquet("customers", &table, ParquetReadOptions::default())
        .await
        .unwrap();

    let cluster = LocalCluster::start(&functions, 2).await.unwrap();
    let remote = cluster.connect().await.unwrap();
    remote
        .register_parquet("customers", &table, ParquetReadOptions::default())
        .await
        .unwrap();

    same_answers(&engine, &local, &remote, 2400).await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_built_in_model_answers_the_same_on_a_cluster() {
    let functions =
        JourneyFunctions::new(Engine::builder(models::buying_process()).build().unwrap());
    same_answers_on_the_cluster(functions, &scratch_dir("model")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_ruleset_document_answers_the_same_on_a_cluster() {
    let functions = JourneyFunctions::from_file(ruleset("b2b_saas.toml")).unwrap();
    same_answers_on_the_cluster(functions, &scratch_dir("b2b")).await;
}
