using CodeGen.Training.Data;

namespace CodeGen.Training.Tests.Data;

public sealed class SecretRedactorTests
{
    [Fact]
    public void Redact_PlantedSecrets_ReplacesEachWithItsPlaceholder()
    {
        string text = """
            aws = "AKIAIOSFODNN7EXAMPLE"
            gh = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"
            pat = "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"
            slack = "xoxb-1234567890-abcdefghij"
            google = "AIzaSyA1234567890abcdefghijklmnopqrstuv"
            api_key = "f3Kq9ZxT2mLp8VwR4sYb"
            key = '''-----BEGIN RSA PRIVATE KEY-----
            MIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu
            -----END RSA PRIVATE KEY-----'''
            conn = "Server=db;User Id=sa;Password=hunter2;"
            mysql = "Host=x;pwd=s3cret"
            url = "https://admin:topsecret@example.com/path"
            # Contact: jane.doe@example.com
            """;

        RedactionResult result = SecretRedactor.Redact(text);

        Assert.Equal("""
            aws = "<API_KEY>"
            gh = "<API_KEY>"
            pat = "<API_KEY>"
            slack = "<API_KEY>"
            google = "<API_KEY>"
            api_key = "<API_KEY>"
            key = '''<PRIVATE_KEY>'''
            conn = "Server=db;User Id=sa;Password=<PASSWORD>;"
            mysql = "Host=x;pwd=<PASSWORD>"
            url = "https://admin:<PASSWORD>@example.com/path"
            # Contact: <EMAIL>
            """, result.Text);
        Assert.Equal(
            new Dictionary<SecretKind, int> { [SecretKind.PrivateKey] = 1, [SecretKind.ApiKey] = 6, [SecretKind.Password] = 3, [SecretKind.Email] = 1 },
            result.Counts);
    }

    [Theory]
    [InlineData("if (nameof(Password) == name) { Password = password; }")]
    [InlineData("var s = $\"Server=db;Password={password};\";")]
    [InlineData("client.login(user, password=pw)")]
    [InlineData("api_key = \"not_a_random_value_at_all\"")]
    [InlineData("token = os.environ[\"GITHUB_TOKEN\"]")]
    [InlineData("x = a @ b.T  # matrix product")]
    [InlineData("[Obsolete(\"Use Password\")] public string Pwd { get; set; }")]
    [InlineData("url = \"http://localhost:8080/path@v1\"")]
    public void Redact_LookalikesOfSecrets_LeavesTextAlone(string text)
    {
        RedactionResult result = SecretRedactor.Redact(text);

        Assert.Equal(text, result.Text);
        Assert.Empty(result.Counts);
    }

    [Fact]
    public void Redact_TwoEmails_CountsBoth()
    {
        RedactionResult result = SecretRedactor.Redact("Authors: Ann <ann@python.org>, Bob (bob.smith@mail.example.co.uk).");

        Assert.Equal("Authors: Ann <<EMAIL>>, Bob (<EMAIL>).", result.Text);
        Assert.Equal(new Dictionary<SecretKind, int> { [SecretKind.Email] = 2 }, result.Counts);
    }
}
