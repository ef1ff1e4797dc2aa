from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect
from django.views.generic import FormView

from .forms import SignUpForm


class SignUpView(FormView):
    template_name = "registration/signup.html"
    form_class = SignUpForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect("shop:home")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.save()
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(self.request, f"Welcome to SmilePay, {user.username}!")
        return redirect("shop:home")
