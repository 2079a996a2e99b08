namespace CodeGen.Training.Data;

// What the secret redactor replaces; each kind has its placeholder (see SecretRedactor).
internal enum SecretKind
{
    PrivateKey,
    ApiKey,
    Password,
    Email,
}
