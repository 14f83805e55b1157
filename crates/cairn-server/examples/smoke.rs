#[tokio::main]
async fn main() {
    let mut config = cairn_server::Config::new(std::env::args().nth(1).unwrap());
    config.admin_api_key = std::env::var("CAIRN_ADMIN_API_KEY").ok();
    let server = cairn_server::Server::start(&config).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:18080").await.unwrap();
    println!("key {:?}", server.generated_admin_key);
    server.serve(listener, std::future::pending()).await.unwrap();
}
