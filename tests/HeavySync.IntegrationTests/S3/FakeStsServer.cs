using System.Collections.Concurrent;
using System.Net;
using System.Security;
using System.Text;
using HeavySync.IntegrationTests.Infrastructure;

namespace HeavySync.IntegrationTests.S3;

/// <summary>
/// TEST-ONLY FAKE of AWS STS on 127.0.0.1 (radosgw's own STS needs an OIDC provider set up): it
/// answers AssumeRoleWithWebIdentity, in the query protocol's XML as the STS API reference gives it,
/// with the credentials it was constructed with, and records each call's form fields (role ARN,
/// session name, token) so a test can see what the SDK sent. Anything else is a 400.
/// </summary>
public sealed class FakeStsServer : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly string _accessKey;
    private readonly string _secretKey;
    private readonly string _sessionToken;
    private readonly Task _loop;

    private FakeStsServer(HttpListener listener, int port, string accessKey, string secretKey, string sessionToken)
    {
        _listener = listener;
        _accessKey = accessKey;
        _secretKey = secretKey;
        _sessionToken = sessionToken;
        Endpoint = $"http://127.0.0.1:{port}";
        _loop = Task.Run(LoopAsync);
    }

    /// <summary>The URL to point the SDK at (AWS_ENDPOINT_URL_STS).</summary>
    public string Endpoint { get; }

    /// <summary>Form fields of every AssumeRoleWithWebIdentity call received.</summary>
    public ConcurrentQueue<IReadOnlyDictionary<string, string>> Calls { get; } = new();

    /// <summary>Starts a fake that hands out these credentials.</summary>
    public static FakeStsServer Start(string accessKey, string secretKey, string sessionToken)
    {
        var (listener, port) = LoopbackHttpListener.Start();
        return new FakeStsServer(listener, port, accessKey, secretKey, sessionToken);
    }

    /// <summary>Stops listening.</summary>
    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        await _loop.ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                await AnswerAsync(context);
            }
            catch (Exception ex) when (ex is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The client went away.
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
        var form = (await reader.ReadToEndAsync()).Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0].Replace('+', ' ')), p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : string.Empty, StringComparer.Ordinal);
        string body;
        if (context.Request.HttpMethod == "POST" && form.GetValueOrDefault("Action") == "AssumeRoleWithWebIdentity")
        {
            Calls.Enqueue(form);
            var expiration = DateTime.UtcNow.AddHours(1).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
            body = $"""
                <AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
                  <AssumeRoleWithWebIdentityResult>
                    <SubjectFromWebIdentityToken>system:serviceaccount:heavysync:copier</SubjectFromWebIdentityToken>
                    <Audience>sts.amazonaws.com</Audience>
                    <AssumedRoleUser>
                      <Arn>{SecurityElement.Escape(form.GetValueOrDefault("RoleArn"))}/{SecurityElement.Escape(form.GetValueOrDefault("RoleSessionName"))}</Arn>
                      <AssumedRoleId>AROAFAKESTS:{SecurityElement.Escape(form.GetValueOrDefault("RoleSessionName"))}</AssumedRoleId>
                    </AssumedRoleUser>
                    <Credentials>
                      <AccessKeyId>{SecurityElement.Escape(_accessKey)}</AccessKeyId>
                      <SecretAccessKey>{SecurityElement.Escape(_secretKey)}</SecretAccessKey>
                      <SessionToken>{SecurityElement.Escape(_sessionToken)}</SessionToken>
                      <Expiration>{expiration}</Expiration>
                    </Credentials>
                    <Provider>fake-oidc.heavysync.test</Provider>
                  </AssumeRoleWithWebIdentityResult>
                  <ResponseMetadata><RequestId>fake-sts-1</RequestId></ResponseMetadata>
                </AssumeRoleWithWebIdentityResponse>
                """;
            context.Response.StatusCode = 200;
        }
        else
        {
            body = """<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>only AssumeRoleWithWebIdentity</Message></Error><RequestId>fake</RequestId></ErrorResponse>""";
            context.Response.StatusCode = 400;
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.ContentType = "text/xml";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
    }
}
