from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect
from django.views.generic import FormView

from .forms import SignUpForm
from .mixins import NextUrlMixin


class SignUpView(NextUrlMixin, FormView):
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
        return redirect(self.next_url() or "shop:home")

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.next_url() or "", **kwargs)
