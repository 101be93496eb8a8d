// Placeholder entry point; the local server is built out under Api/, Auth/, Engine/, Store/, Streams/.
var app = WebApplication.CreateSlimBuilder(args).Build();
app.Run();
