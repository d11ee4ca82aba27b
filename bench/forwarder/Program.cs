// The bare forwarder the emulator's A2A proxy is measured against: the same YARP package, one pooled invoker,
// Kestrel in and HttpClient out, no logging, auth, body work, activity row, events or telemetry.
//   PORT=... DESTINATION=http://127.0.0.1:8000/ dotnet Bench.Forwarder.dll
using System.Net;
using Yarp.ReverseProxy.Forwarder;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.UseUrls($"http://127.0.0.1:{Environment.GetEnvironmentVariable("PORT") ?? "5000"}");
builder.Services.AddHttpForwarder();
var app = builder.Build();

var destination = Environment.GetEnvironmentVariable("DESTINATION") ?? throw new InvalidOperationException("DESTINATION is not set");
var invoker = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    UseCookies = false,
    AutomaticDecompression = DecompressionMethods.None,
    ConnectTimeout = TimeSpan.FromSeconds(15),
});
var transformer = new FixedDestination(new Uri(destination));
var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
app.Run(async context => await forwarder.SendAsync(context, destination, invoker, ForwarderRequestConfig.Empty, transformer));
await app.RunAsync();

/// <summary>Sends every request to the one destination URL, as the emulator sends to a workspace's stored URL.</summary>
internal sealed class FixedDestination(Uri destination) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.RequestUri = destination;
        proxyRequest.Headers.Host = null;
    }
}
